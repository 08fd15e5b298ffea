module.exports = `${typeof module} ${typeof require} ${typeof exports}`;
