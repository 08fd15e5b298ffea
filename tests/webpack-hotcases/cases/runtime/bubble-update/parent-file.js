module.exports = require("./file");
