// Public entry point of dnsgd.
export { native } from './native';
