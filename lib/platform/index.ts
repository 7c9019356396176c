import { ENVIRONMENTS } from './environments';
import { SERVICES } from './services';
import { PlatformSpec } from './types';

/** The BANA platform: the catalogue and the environments it runs in. */
export const PLATFORM: PlatformSpec = { services: SERVICES, environments: ENVIRONMENTS };
