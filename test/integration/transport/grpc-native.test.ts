/** The shared call-shape suite over the native gRPC engine (node:http2). */
import { runCallShapeSuite } from '../../shared/call-shapes.js';
import { grpcNativeHarness } from './grpc-native-harness.js';

runCallShapeSuite(grpcNativeHarness);
