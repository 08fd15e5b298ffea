export default class { static seen = this.name; static { globalThis.staticBlockName = this.name; } }
