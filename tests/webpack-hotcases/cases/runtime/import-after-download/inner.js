export default 10;
---
export default 20;
