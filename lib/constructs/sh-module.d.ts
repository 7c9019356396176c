/** A `.sh` file imported as its text (esbuild `--loader:.sh=text`, the jest transform in package.json); see scripts.ts. */
declare module '*.sh' {
  const text: string;
  export default text;
}
