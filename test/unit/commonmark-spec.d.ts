/** The `commonmark-spec` package: the CommonMark specification's examples (tabs written as `→`). */
declare module 'commonmark-spec' {
  export interface SpecExample {
    markdown: string;
    html: string;
    section: string;
    number: number;
  }
  export const tests: SpecExample[];
  export const text: string;
}
