/**
 * A stand-in for a chat agent in the UI test: a tiny extension, loaded next to the installed VSIX
 * (as an extension under development, but with no extension tests, so the workbench shows its
 * dialogs for real). At start-up it stores the key, then calls each tool of its script through
 * `vscode.lm.invokeTool` outside any chat request, as an agent's host would, and writes what each
 * call returned (or threw) to a file the test reads. The test answers the workbench's dialogs.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';

export interface CallerScript {
  key: string;
  resultFile: string;
  calls: Array<{ tool: string; input: object }>;
}

export interface CallerResult {
  text?: string;
  error?: string;
}

export async function activate(): Promise<void> {
  const scriptFile = process.env.KIE_TOOL_CALLER_SCRIPT;
  if (!scriptFile) {
    return;
  }
  const script = JSON.parse(await fs.readFile(scriptFile, 'utf8')) as CallerScript;
  await vscode.commands.executeCommand('kieUpload.setApiKey', script.key);
  const results: CallerResult[] = [];
  for (const call of script.calls) {
    try {
      const result = await vscode.lm.invokeTool(call.tool, { input: call.input, toolInvocationToken: undefined });
      results.push({ text: result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('\n') });
    } catch (error) {
      results.push({ error: `${(error as Error)?.name}: ${(error as Error)?.message}` });
    }
    await fs.writeFile(script.resultFile, JSON.stringify(results));
  }
}
