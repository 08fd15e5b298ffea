module.exports = 1;
---
module.exports = 2;
---
module.exports = 3;
---
module.exports = 4;
---
module.exports = 5;
