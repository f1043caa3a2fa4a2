/** The shared call-shape suite through the proxy, in all four client × upstream combinations. */
import { runCallShapeSuite } from '../../shared/call-shapes.js';
import { proxyHarness } from './proxy-harness.js';

runCallShapeSuite(proxyHarness('grpc', 'grpc'));
runCallShapeSuite(proxyHarness('ws', 'ws'));
runCallShapeSuite(proxyHarness('grpc', 'ws'));
runCallShapeSuite(proxyHarness('ws', 'grpc'));
