let count = 0;
export const next = () => ++count;
export default "counter";
const weird = 1;
export { weird as "a name" };
