import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../../imports/argocd-application-argoproj.io';
import { GitRepository } from '../../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { LAYERS } from '../charts/layers';
import { LayerRank, rankLayers } from '../charts/ordering';
import { MANAGED_BY, PART_OF } from '../platform/conventions';
import { GITOPS, GITOPS_DEFAULTS, GitOpsSpec, gitopsMinutes, repoPath } from '../platform/gitops';
import { isDnsLabel } from '../platform/rules';
import { EnvironmentName } from '../platform/types';
import { DocumentContext, DocumentGenerator } from './document';
import { chartJson } from '../k8s/chart-json';
import { KubeObject } from '../k8s/objects';
import { folderKustomization, GeneratedFile, manifestPath, renderManifest } from '../output/render';

/**
 * The GitOps objects of an environment, generated from the same layer order as the sync waves: Flux
 * (`dist/<env>/flux/`) and Argo CD (`dist/<env>/argocd/`). Neither folder is part of the environment's
 * kustomization: each is applied once, by hand or by the controller's bootstrap, and then syncs the rest.
 */

export const FLUX_FOLDER = 'flux';
export const ARGOCD_FOLDER = 'argocd';

const LABELS = { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY };

/** `nx-<env>-<folder>`: one Kustomization per layer. */
export function fluxKustomizationName(env: EnvironmentName, folder: string): string {
  const name = `nx-${env}-${folder}`;
  if (!isDnsLabel(name)) {
    throw new Error(`layer '${folder}': the Flux Kustomization name '${name}' must be a DNS-1123 label of at most 63 characters; rename the folder`);
  }
  return name;
}

export function fluxSourceName(env: EnvironmentName): string {
  return `${GITOPS.sourceName}-${env}`;
}

/** Seconds in a Flux duration we write (`45m`). */
const MINUTE = 60;

/**
 * How long Flux waits for a layer's objects to become healthy: its longest Job deadline
 * (`activeDeadlineSeconds`: the Redis create Job's 30 min, a migration's 5 min) or rollout deadline
 * (`progressDeadlineSeconds`, Kubernetes' default 600 s when unset), plus `GITOPS.timeoutMargin` for
 * scheduling and image pulls, and at least `GITOPS.timeout`. Objects of a layer are applied together and run
 * in parallel, so the longest one bounds the layer. kustomize-controller v1 (docs/spec/v1/kustomizations.md,
 * "Timeout"): `spec.timeout` bounds apply and health checking; past it the Kustomization is not Ready and its
 * dependents wait.
 */
export function layerTimeout(objects: readonly KubeObject[]): string {
  let longest = 0;
  for (const o of objects) {
    const spec = (o as { spec?: { activeDeadlineSeconds?: number; progressDeadlineSeconds?: number } }).spec;
    if (o.kind === 'Job' && spec?.activeDeadlineSeconds) longest = Math.max(longest, spec.activeDeadlineSeconds);
    if (o.kind === 'Deployment') longest = Math.max(longest, spec?.progressDeadlineSeconds ?? 600);
  }
  const seconds = Math.max(gitopsMinutes('timeout') * MINUTE, longest + gitopsMinutes('timeoutMargin') * MINUTE);
  return `${Math.ceil(seconds / MINUTE)}m`;
}


/**
 * A GitRepository for the environment's branch and one Kustomization per layer, depending on the layers it
 * really waits for (`LayerSpec.after`), with a timeout that covers its longest Job or rollout.
 * `wait: true` makes a Kustomization Ready only once all its objects are healthy (a Job once it has
 * completed, a Deployment once rolled out), so `dependsOn` holds the dependents back until then. `prune:
 * true` deletes what left git, among it the Jobs of earlier releases.
 */
export function fluxObjects(scope: Construct, env: EnvironmentName, gitops: GitOpsSpec, ranks: readonly LayerRank[], objectsOf: (folder: string) => readonly KubeObject[] = () => []): void {
  const source = fluxSourceName(env);
  new GitRepository(scope, 'Source', {
    metadata: { name: source, namespace: GITOPS.fluxNamespace, labels: LABELS },
    spec: {
      interval: GITOPS.sourceInterval,
      url: gitops.repoURL,
      ref: { branch: gitops.revision },
      secretRef: { name: gitops.secretName },
    },
  });
  for (const rank of ranks) {
    new Kustomization(scope, `Layer-${rank.folder}`, {
      metadata: {
        name: fluxKustomizationName(env, rank.folder),
        namespace: GITOPS.fluxNamespace,
        labels: LABELS,
      },
      spec: {
        interval: GITOPS.interval,
        retryInterval: GITOPS.retryInterval,
        timeout: layerTimeout(objectsOf(rank.folder)),
        path: repoPath(gitops, env, rank.folder),
        prune: true,
        wait: true,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: source },
        dependsOn: rank.after.length > 0 ? rank.after.map((folder) => ({ name: fluxKustomizationName(env, folder) })) : undefined,
      },
    });
  }
}

/**
 * One Argo CD Application for the environment's whole folder: the sync waves on every object order it.
 * Automated with prune and self-heal (production deploys on merge); `PruneLast` deletes the Jobs of the
 * previous release only after every wave of the new one is healthy. No resources finalizer: deleting the
 * Application must not delete the platform.
 */
export function argoObjects(scope: Construct, env: EnvironmentName, gitops: GitOpsSpec): void {
  new Application(scope, 'Application', {
    metadata: { name: `nx-${env}`, namespace: GITOPS.argoNamespace, labels: LABELS },
    spec: {
      project: GITOPS.argoProject,
      source: { repoUrl: gitops.repoURL, targetRevision: gitops.revision, path: repoPath(gitops, env).replace(/^\.\//, '') },
      destination: { server: GITOPS.argoDestination },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['PruneLast=true'],
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      },
    },
  });
}

/**
 * Renders the objects a function adds to a fresh chart as the files of one folder, with a kustomization whose
 * comment (`about`, one line per entry) says how the folder is installed.
 */
function folderFiles(folder: string, about: readonly string[], add: (chart: Chart) => void): GeneratedFile[] {
  const chart = new Chart(new App({ outdir: '.cdk8s.out' }), folder, { disableResourceNameHashes: true });
  add(chart);
  const files = (chartJson(chart) as KubeObject[]).map((object) => ({ path: manifestPath(folder, object), folder, object }));
  return [...files.map((file) => ({ path: file.path, content: renderManifest(file) })), { path: `${folder}/kustomization.yaml`, content: folderKustomization(folder, about, files) }];
}

export const fluxDocuments: DocumentGenerator = (context: DocumentContext) => {
  const env = context.environment.name;
  const gitops = context.release.gitops ?? GITOPS_DEFAULTS;
  const about = [
    `Flux: the GitRepository and one Kustomization per layer of ${env}; dependsOn names the layers each one waits for.`,
    `Install once, on a cluster running Flux: \`kubectl apply -k dist/${env}/${FLUX_FOLDER}\`, or point the bootstrap`,
    `Kustomization at ${repoPath(gitops, env, FLUX_FOLDER)}. Not part of dist/${env}/kustomization.yaml.`,
  ];
  return folderFiles(FLUX_FOLDER, about, (chart) => fluxObjects(chart, env, gitops, rankLayers(LAYERS), (folder) => context.manifests.filter((m) => m.folder === folder).map((m) => m.object)));
};

export const argoDocuments: DocumentGenerator = (context: DocumentContext) => {
  const env = context.environment.name;
  const gitops = context.release.gitops ?? GITOPS_DEFAULTS;
  const about = [
    `Argo CD: the Application that syncs dist/${env}, ordered by the sync wave on every object.`,
    `Install once, on a cluster running Argo CD: \`kubectl apply -k dist/${env}/${ARGOCD_FOLDER}\`. Not part of dist/${env}/kustomization.yaml.`,
  ];
  return folderFiles(ARGOCD_FOLDER, about, (chart) => argoObjects(chart, env, gitops));
};
