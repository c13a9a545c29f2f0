import type { ITheme } from '@xterm/xterm';

/** Terminal colours that read on the site's own dark and light backgrounds. */
export const terminalThemes: Record<'dark' | 'light', ITheme> = {
  dark: {
    background: '#17181c',
    foreground: '#e6e7ea',
    cursor: '#e6e7ea',
    selectionBackground: '#3b4a6b',
    black: '#17181c',
    red: '#ff7b72',
    green: '#7ee787',
    yellow: '#f2cc60',
    blue: '#79c0ff',
    magenta: '#d2a8ff',
    cyan: '#76e3ea',
    white: '#e6e7ea',
    brightBlack: '#8b949e',
    brightRed: '#ffa198',
    brightGreen: '#a5f3a0',
    brightYellow: '#f8e3a1',
    brightBlue: '#a5d6ff',
    brightMagenta: '#e2c5ff',
    brightCyan: '#b3f0ff',
    brightWhite: '#ffffff',
  },
  light: {
    background: '#ffffff',
    foreground: '#1f2328',
    cursor: '#1f2328',
    selectionBackground: '#c8d8f8',
    black: '#1f2328',
    red: '#b3261e',
    green: '#116329',
    yellow: '#7d4e00',
    blue: '#0550ae',
    magenta: '#8250df',
    cyan: '#1b7c83',
    white: '#6e7781',
    brightBlack: '#57606a',
    brightRed: '#a40e26',
    brightGreen: '#1a7f37',
    brightYellow: '#633c01',
    brightBlue: '#0969da',
    brightMagenta: '#8250df',
    brightCyan: '#3192aa',
    brightWhite: '#1f2328',
  },
};

export function siteTheme(): 'dark' | 'light' {
  return document.documentElement.dataset.theme === 'light' ? 'light' : 'dark';
}
