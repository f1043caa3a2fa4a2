/** The shared call-shape suite over the @grpc/grpc-js engine. */
import { runCallShapeSuite } from '../../shared/call-shapes.js';
import { grpcJsHarness } from './grpc-js-harness.js';

runCallShapeSuite(grpcJsHarness);
