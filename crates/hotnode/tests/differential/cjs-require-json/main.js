// require() of JSON from CommonJS: the parsed document, the same object each time.
const data = require("./data.json");
const { version } = require("./package.json");
console.log(data.port, data.list.length, data.nested.ok, version);
console.log("same object:", require("./data.json") === data);
data.port = 4000;
console.log("mutation seen:", require("./data.json").port);
