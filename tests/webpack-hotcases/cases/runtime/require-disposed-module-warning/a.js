export default module;
