exports.n = 7;
