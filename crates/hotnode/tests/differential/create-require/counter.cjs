let n = 0;
module.exports = { bump: () => ++n };
