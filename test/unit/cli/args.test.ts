// The shared argument parser of the `dlmodel` subcommands.
import * as assert from 'node:assert/strict';
import { booleanFlag, numberFlag, parseArgs, stringFlag, UsageError } from '../../../src/cli/args';

const FLAGS = { json: 'boolean', epochs: 'number', backend: 'string' } as const;

describe('parseArgs', () => {
  it('reads positional FILE, --name value, --name=value and booleans in any order', () => {
    const a = parseArgs(['--epochs', '5', 'x.dlmodel.json', '--backend=wasm', '--json'], FLAGS, { names: ['FILE'] });
    assert.deepEqual(a.positional, ['x.dlmodel.json']);
    assert.equal(numberFlag(a, 'epochs'), 5);
    assert.equal(stringFlag(a, 'backend'), 'wasm');
    assert.equal(booleanFlag(a, 'json'), true);
    assert.equal(stringFlag(a, 'epochs'), undefined);
  });

  it('treats everything after -- as positional', () => {
    assert.deepEqual(parseArgs(['--', '--json'], FLAGS, { names: ['FILE'] }).positional, ['--json']);
  });

  const bad: [string[], RegExp][] = [
    [['x', '--fast'], /^unknown option --fast \(options: --json, --epochs, --backend\)$/],
    [['x', '--epochs'], /^--epochs needs a value$/],
    [['x', '--epochs', 'many'], /^--epochs needs a number; got "many"$/],
    [['x', '--json=yes'], /^--json takes no value$/],
    [[], /^missing FILE$/],
    [['x', 'y'], /^unexpected argument "y"$/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${JSON.stringify(args)}`, () => {
      assert.throws(() => parseArgs(args, FLAGS, { names: ['FILE'] }), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }
});
