export function B() { return 1; }
export let c = 1;
