module.exports = { kind: "plain", isCommonJs: typeof require === "function" };
