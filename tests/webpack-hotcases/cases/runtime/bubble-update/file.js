module.exports = 1;
---
module.exports = 2;
