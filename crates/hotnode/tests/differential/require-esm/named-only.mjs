export const only = "named";
