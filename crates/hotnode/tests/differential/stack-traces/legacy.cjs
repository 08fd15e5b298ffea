exports.boom = () => {
  throw new TypeError("cjs boom");
};
exports.topLevel = new Error("made at the top level");
