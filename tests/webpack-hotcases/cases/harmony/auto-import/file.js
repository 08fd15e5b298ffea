export var value = 1;
---
export var value = 2;
