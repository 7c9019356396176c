import { layerFolder, LayerOrder } from './ordering';

/** The layers of an environment, by name; `buildLayer` (lib/charts/build-layer.ts) has one case for each. */
export type LayerName =
  | 'cluster'
  | 'network'
  | 'data'
  | 'ingress'
  | 'gateway'
  | 'config'
  | 'identity-migration'
  | 'identity'
  | 'migrations'
  | 'services'
  | 'routes'
  | 'backups';

/** One layer of an environment, as data: where it stands in the apply order and what it holds. */
export interface LayerSpec extends LayerOrder {
  readonly name: LayerName;
  /** What the layer holds, for kustomization comments and generated documents. */
  readonly title: string;
  readonly after?: readonly LayerName[];
  /**
   * Built after every other layer, from their synthesized objects (quotas sized from the workloads).
   * @default false
   */
  readonly derived?: boolean;
}

/** A layer with its folder in `dist/<env>/` (`06-2-identity-migration`), derived from its step, part and name. */
export interface Layer extends LayerSpec {
  readonly folder: string;
}

/**
 * The layers of every environment, in apply order. Steps follow the staging deployment's steps (operations
 * page, "Các bước"), so `--step N` selects the layers of step N (folders `0N-*`). The order kubectl, Argo CD
 * (sync waves) and Flux (dependsOn) follow is derived from each layer's step and part (lib/charts/ordering.ts).
 *
 * `after`: what each layer really waits for. The network policies come before any pod (default deny first,
 * then the allows its pods need); the data layer, the edge and the app config need only them. identity's
 * migration needs the databases and the config; identity needs its migration; the other migrations wait for
 * identity, each service for its migration. Routes need the ingress controller's class and issuer and the
 * gateway's CRDs, not the services behind them (a route to a service not yet ready answers 503); Velero's
 * schedules need only their namespace. Independent layers do not wait on each other in Flux. Step 6 comes in
 * five ordered parts (see AppPart): kubectl, Argo CD and Flux wait between them.
 */
const LAYER_SPECS: readonly LayerSpec[] = [
  { step: 0, name: 'cluster', title: 'Cluster setup (namespaces, quotas, limits, priority classes)', derived: true, after: [] },
  { step: 1, name: 'network', title: 'Network policies', after: ['cluster'] },
  { step: 3, name: 'data', title: 'Data layer (PostgreSQL/CNPG + PgBouncer, Redis Cluster, Kafka KRaft, Typesense, Debezium)', after: ['network'] },
  { step: 4, name: 'ingress', title: 'Ingress controller (ingress-nginx) and the letsencrypt-prod ClusterIssuer', after: ['network'] },
  { step: 5, name: 'gateway', title: 'API gateway (Traefik)', after: ['network'] },
  { step: 6, part: 1, name: 'config', title: 'Application configuration: shared and per-service ConfigMaps', after: ['network'] },
  { step: 6, part: 2, name: 'identity-migration', title: "identity's database migration, first of all", after: ['data', 'config'] },
  { step: 6, part: 3, name: 'identity', title: 'The identity service, which every other backend and migration waits for', after: ['identity-migration'] },
  { step: 6, part: 4, name: 'migrations', title: 'The other database migrations (after identity is available)', after: ['identity'] },
  { step: 6, part: 5, name: 'services', title: 'The other backend services and the frontends', after: ['migrations'] },
  { step: 7, name: 'routes', title: 'Ingress rules (domain routing, TLS, gateway routes)', after: ['ingress', 'gateway'] },
  { step: 9, name: 'backups', title: 'Backups (Velero locations and schedules)', after: ['cluster'] },
];

export const LAYERS: readonly Layer[] = LAYER_SPECS.map((spec) => ({ ...spec, folder: layerFolder(spec) }));
