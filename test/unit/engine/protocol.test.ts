// The host <-> trainer messages: both sides validate what they receive.
import { strict as assert } from 'node:assert';
import { EXIT, isHostMessage, isTrainerEvent, TRAINER_PROTOCOL_VERSION } from '../../../src/protocol/trainer';

describe('trainer protocol', () => {
  it('recognizes every trainer event type and nothing else', () => {
    for (const type of ['started', 'batch', 'epoch', 'weights', 'log', 'predictions', 'finished', 'failed']) {
      assert.ok(isTrainerEvent({ type }), type);
    }
    for (const v of [null, undefined, 1, 'epoch', {}, { type: 'cancel' }, { type: 'job' }, { type: 'Epoch' }]) {
      assert.ok(!isTrainerEvent(v), JSON.stringify(v));
    }
  });

  it('recognizes host messages: a train or predict job, and cancel', () => {
    const job = { kind: 'train', specPath: '/x.dlmodel.json', backend: 'auto' };
    assert.ok(isHostMessage({ type: 'job', version: TRAINER_PROTOCOL_VERSION, job }));
    assert.ok(isHostMessage({ type: 'job', version: TRAINER_PROTOCOL_VERSION, job: { ...job, kind: 'predict' } }));
    assert.ok(isHostMessage({ type: 'cancel' }));
    assert.ok(!isHostMessage({ type: 'job', job: { kind: 'evaluate' } }));
    assert.ok(!isHostMessage({ type: 'job' }));
    assert.ok(!isHostMessage({ type: 'started' }));
    assert.ok(!isHostMessage(null));
  });

  it('exit codes follow the format: 0 ok, 1 failed, 2 invalid', () => {
    assert.deepEqual(EXIT, { ok: 0, failed: 1, invalid: 2 });
  });
});
