/** The view in the URL: the overview asked for unless expand=*, and what double-clicking a namespace changes. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { graphQuery, readState, selectedNamespaces, toggleNamespace } from '../web/view-state.js';

const state = (search: string) => readState({ search } as Location);

it('asks for the overview with the expanded namespaces, and for the whole map with expand=*', () => {
  assert.equal(graphQuery(state('')), 'range=5m&overview=1');
  assert.equal(graphQuery(state('?expand=a,b&collapse=c')), 'range=5m&collapse=c&overview=1&expand=a%2Cb');
  assert.equal(graphQuery(state('?expand=*&collapse=c')), 'range=5m&collapse=c');
});

it('on the overview a double-click expands a collapsed namespace and collapses an expanded one; on a whole map it toggles the collapse list', () => {
  const view = state('?expand=a&collapse=b');
  toggleNamespace(view, 'b', true, true);
  assert.deepEqual([view.expand, view.collapse], [['a', 'b'], []]);
  toggleNamespace(view, 'a', true, false);
  assert.deepEqual([view.expand, view.collapse], [['b'], []]);
  const whole = state('?expand=*');
  toggleNamespace(whole, 'a', false, false);
  assert.deepEqual(whole.collapse, ['a']);
  toggleNamespace(whole, 'a', false, true);
  assert.deepEqual([whole.collapse, whole.expand], [[], ['*']]);
});

it('names the namespaces of a selected edge\'s or node\'s workloads and Services', () => {
  assert.deepEqual(selectedNamespaces('edge:workload:shop/Deployment/frontend->service:pay/api'), ['shop', 'pay']);
  assert.deepEqual(selectedNamespaces('node:workload:shop/Deployment/frontend'), ['shop']);
  assert.deepEqual(selectedNamespaces('edge:namespace:shop->external:AS64500'), []);
  assert.deepEqual(selectedNamespaces(''), []);
});
