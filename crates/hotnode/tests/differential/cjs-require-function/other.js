exports.paths = module.paths;
exports.keys = Object.keys(require).join(",");
