/**
 * The shared call-shape suite over the WebSocket transport: once with the `ws` package's
 * client API, once with a browser-shaped (WHATWG-only) WebSocket.
 */
import { wsNodeHarness, wsWhatwgHarness } from '../../helpers/ws-harness.js';
import { runCallShapeSuite } from '../../shared/call-shapes.js';

runCallShapeSuite(wsNodeHarness);
runCallShapeSuite(wsWhatwgHarness);
