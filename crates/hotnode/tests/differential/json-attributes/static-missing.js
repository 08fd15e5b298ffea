import data from "./data.json";
export { data };
