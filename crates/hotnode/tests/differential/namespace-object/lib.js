export let beta = 2;
export function alpha() {}
export default "the default";
export { beta as "with space" };
