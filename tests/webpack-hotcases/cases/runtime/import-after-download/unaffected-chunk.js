import value from "./unaffected-inner";

module.hot.accept("./unaffected-inner");

export { value as default };
