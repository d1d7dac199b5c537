/** The object without its undefined and null fields: what a store item holds (null means "remove"). */
export const without = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
