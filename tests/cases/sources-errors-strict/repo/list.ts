export const xs = [a, b
