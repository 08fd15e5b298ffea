import i from "./i";
export default i;

if (module.hot) {
	module.hot.accept("./i");
}
