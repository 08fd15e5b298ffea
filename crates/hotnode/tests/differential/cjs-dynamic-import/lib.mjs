export const value = 42;
export default "lib default";
