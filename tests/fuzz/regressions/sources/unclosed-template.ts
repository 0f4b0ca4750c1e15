fns
export const fns = [a, `x${ [b, c] }`, "d\"e", /* [ */ f, // ]
 g(
