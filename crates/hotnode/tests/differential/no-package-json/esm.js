export const esm = `${typeof module} ${typeof require} ${typeof import.meta.url}`;
