/*
 * test-image.c: container images from Docker's and Podman's records (image.c), read
 * through the root seam from tests/fixtures/containers, plus a malformed and an
 * oversized record made here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "portlore/sockets.h"

#define DOCKER_ID "3f4e1a2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define BROKEN_ID "0badc0ffee0badc0ffee0badc0ffee0badc0ffee0badc0ffee0badc0ffee0bad"
#define GRAFANA_ID "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
#define PG_ID "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3"

static char root[4096];

static int
setup(void **state)
{
	const char *f = getenv("PORTLORE_FIXTURES");

	(void)state;
	snprintf(root, sizeof(root), "%s/containers", f ? f : "tests/fixtures");
	return 0;
}

static void
test_docker(void **state)
{
	struct pl_imgcache *c = pl_imgcache_new(root);
	const char *image, *name, *again, *n2;

	(void)state;
	assert_non_null(c);
	assert_int_equal(pl_imgcache_lookup(c, "docker", DOCKER_ID, 0, &image, &name), 0);
	assert_string_equal(image, "redis:7");
	assert_string_equal(name, "cache");
	/* A second process of the container is answered from what was read. */
	assert_int_equal(pl_imgcache_lookup(c, "docker", DOCKER_ID, 999, &again, &n2), 0);
	assert_ptr_equal(again, image);
	/* The file is named by the full id: a shortened one finds nothing. */
	assert_int_equal(pl_imgcache_lookup(c, "docker", "3f4e1a2b9c8d", 0, &image, &name),
	    -PL_ENOTFOUND);
	assert_null(image);
	assert_int_equal(pl_imgcache_lookup(c, "docker", BROKEN_ID, 0, &image, &name), -PL_EDATA);
	assert_null(image);
	assert_int_equal(pl_imgcache_lookup(c, "docker", "ffffffffffffffffffffffff", 0, &image,
	    &name), -PL_ENOTFOUND);
	/* Not an id: never a path. */
	assert_int_equal(pl_imgcache_lookup(c, "docker", "../../../../etc/passwd", 0, &image,
	    &name), -PL_ENOTFOUND);
	assert_int_equal(pl_imgcache_lookup(c, "containerd", DOCKER_ID, 0, &image, &name),
	    -PL_ENOTFOUND);
	pl_imgcache_free(c);
}

static void
test_podman(void **state)
{
	struct pl_imgcache *c = pl_imgcache_new(root);
	const char *image, *name;

	(void)state;
	assert_non_null(c);
	/* The image's name from images.json. */
	assert_int_equal(pl_imgcache_lookup(c, "podman", GRAFANA_ID, 0, &image, &name), 0);
	assert_string_equal(image, "docker.io/grafana/grafana:10.2.0");
	assert_string_equal(name, "metrics");
	/* An image id images.json does not know: the name podman noted in the metadata. */
	assert_int_equal(pl_imgcache_lookup(c, "podman", PG_ID, 0, &image, &name), 0);
	assert_string_equal(image, "docker.io/bitnami/postgresql:16");
	assert_string_equal(name, "db");
	assert_int_equal(pl_imgcache_lookup(c, "podman", DOCKER_ID, 0, &image, &name),
	    -PL_ENOTFOUND);
	pl_imgcache_free(c);
}

static void
write_file(const char *path, const char *head, size_t pad, const char *tail)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(head, f);
	for (size_t i = 0; i < pad; i++)
		fputc(' ', f);
	fputs(tail, f);
	assert_int_equal(fclose(f), 0);
}

/* Records made here: one over 4 MiB (valid JSON, still refused), a containers.json that
 * is not an array, and one that is not JSON. */
static void
test_bad_records(void **state)
{
	char dir[] = "/tmp/pl-image-XXXXXX", path[512], d[512];
	struct pl_imgcache *c;
	const char *image, *name;

	(void)state;
	assert_non_null(mkdtemp(dir));
	const char *const parts[] = { "/var", "/var/lib", "/var/lib/docker",
		"/var/lib/docker/containers", "/var/lib/docker/containers/" DOCKER_ID,
		"/var/lib/containers", "/var/lib/containers/storage",
		"/var/lib/containers/storage/overlay-containers" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
		snprintf(d, sizeof(d), "%s%s", dir, parts[i]);
		assert_int_equal(mkdir(d, 0700), 0);
	}
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/" DOCKER_ID "/config.v2.json",
	    dir);
	write_file(path, "{\"Config\": {\"Image\": \"redis:7\"}", (size_t)4 << 20, "}");
	snprintf(path, sizeof(path), "%s/var/lib/containers/storage/overlay-containers/"
	    "containers.json", dir);
	write_file(path, "{\"id\": \"" GRAFANA_ID "\"}", 0, "");
	assert_non_null(c = pl_imgcache_new(dir));
	assert_int_equal(pl_imgcache_lookup(c, "docker", DOCKER_ID, 0, &image, &name),
	    -PL_ETOOBIG);
	assert_null(image);
	assert_int_equal(pl_imgcache_lookup(c, "podman", GRAFANA_ID, 0, &image, &name), -PL_EDATA);
	pl_imgcache_free(c);
	write_file(path, "[{\"id\": \"" GRAFANA_ID "\", \"image\": [1, 2", 0, "");
	assert_non_null(c = pl_imgcache_new(dir));
	assert_int_equal(pl_imgcache_lookup(c, "podman", GRAFANA_ID, 0, &image, &name), -PL_EDATA);
	pl_imgcache_free(c);
	/* An entry whose fields have the wrong types gives no image, and no crash. */
	write_file(path, "[{\"id\": \"" GRAFANA_ID "\", \"image\": 7, \"names\": \"x\", "
	    "\"metadata\": \"{not json\"}, 5, null]", 0, "");
	assert_non_null(c = pl_imgcache_new(dir));
	assert_int_equal(pl_imgcache_lookup(c, "podman", GRAFANA_ID, 0, &image, &name), -PL_EDATA);
	pl_imgcache_free(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/" DOCKER_ID "/config.v2.json",
	    dir);
	unlink(path);
	for (size_t i = sizeof(parts) / sizeof(*parts); i-- > 0;) {
		snprintf(d, sizeof(d), "%s%s", dir, parts[i]);
		rmdir(d);
	}
	rmdir(dir);
}

/* The processes of a list get their container's image and name. */
static void
test_list(void **state)
{
	struct pl_proc procs[3] = { 0 };
	struct pl_socklist l = { .procs = procs, .nprocs = 3 };

	(void)state;
	procs[0].container_kind = strdup("docker");
	procs[0].container_id = strdup(DOCKER_ID);
	procs[1].container_kind = strdup("podman");
	procs[1].container_id = strdup(GRAFANA_ID);
	procs[1].uid = 472;
	assert_int_equal(pl_container_images(&l, root), 0);
	assert_string_equal(procs[0].container_image, "redis:7");
	assert_string_equal(procs[0].container_name, "cache");
	assert_string_equal(procs[1].container_image, "docker.io/grafana/grafana:10.2.0");
	assert_null(procs[2].container_image);
	for (int i = 0; i < 3; i++)
		pl_proc_free(&procs[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
