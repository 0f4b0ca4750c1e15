import { a, b, c } from "./fns";
import { more } from "./more";

export const fns = [
  a,
  b,
  ...more,
  flag ? c : undefined,
];
