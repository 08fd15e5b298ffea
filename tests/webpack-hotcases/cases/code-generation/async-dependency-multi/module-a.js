export default await Promise.resolve("a 1");
---
export default await Promise.resolve("a 2");
