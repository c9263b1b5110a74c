/** The V8 and Node flags a bench runs with (NODE_OPTIONS and the command line), for its JSON line: they move the figures. */
export function nodeFlags(): string {
  const commandLine = process.execArgv.filter((flag) => !flag.startsWith('--import') && flag !== 'tsx');
  return [process.env.NODE_OPTIONS ?? '', ...commandLine].join(' ').trim();
}
