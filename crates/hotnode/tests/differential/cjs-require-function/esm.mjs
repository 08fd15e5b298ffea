Error.prepareStackTrace = (_, sites) => sites;
const site = new Error().stack[0];
Error.prepareStackTrace = undefined;
export const frame = [site.getFileName() === import.meta.url, site.isEval()].join(" ");
