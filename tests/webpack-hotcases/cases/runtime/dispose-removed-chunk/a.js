export default "version a1";
---
export default "version a1";
---
export default "version a2";
---
export default "version a2";
---
