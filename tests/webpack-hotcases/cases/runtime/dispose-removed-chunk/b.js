export default "version b1";
---
export default "version b1";
---
export default "version b2";
---
export default "version b2";
