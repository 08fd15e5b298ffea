module.exports = 10;
---
module.exports = 20;
