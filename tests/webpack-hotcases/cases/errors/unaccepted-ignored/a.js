export default 2;
---
export default 3;
---
export default 3;
---
export default 4;
