const a = { from: "module.exports" };
export { a as "module.exports" };
