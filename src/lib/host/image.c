/*
 * image.c: the image a container runs, from the runtime's own records on disk.
 *
 * Docker keeps one file per container, <root>/var/lib/docker/containers/<id>/config.v2.json
 * (Config.Image: the image as it was asked for, "redis:7"; Name: "/cache"). Podman keeps
 * every container in one array, <storage>/overlay-containers/containers.json (id, image:
 * an image id, names), and the images in <storage>/overlay-images/images.json (id,
 * names); storage is /var/lib/containers/storage for root and
 * ~/.local/share/containers/storage for a user's own containers (read only when this
 * process may). The full container id from the cgroup path is the key. Files are read
 * once per lookup set, at most MAX_FILE bytes each; a file that is larger or not JSON
 * just gives no image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "host/platform.h"
#include "host/sockets-internal.h"

#define MAX_FILE (4 << 20)       /* no runtime record of ours is near this size */
#define MAX_CACHE 256            /* ids remembered per lookup set */
#define MAX_STORES 8             /* podman storages (root's and users') per lookup set */

struct img_entry {
	char *kind, *id, *image, *name;
	int rc;
};

struct podman_store {
	char *dir;                       /* the storage directory */
	json_t *containers, *images;     /* NULL when absent or unusable */
	int rc;                          /* 0, or why containers.json gave nothing */
};

struct pl_imgcache {
	char *root;
	struct img_entry e[MAX_CACHE]; size_t n;
	struct podman_store s[MAX_STORES]; size_t ns;
};

struct pl_imgcache *
pl_imgcache_new(const char *root)
{
	struct pl_imgcache *c = calloc(1, sizeof(*c));

	if (c != NULL && (c->root = strdup(root && *root ? root : "")) == NULL) {
		free(c);
		c = NULL;
	}
	return c;
}

void
pl_imgcache_free(struct pl_imgcache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].kind);
		free(c->e[i].id);
		free(c->e[i].image);
		free(c->e[i].name);
	}
	for (size_t i = 0; i < c->ns; i++) {
		free(c->s[i].dir);
		json_decref(c->s[i].containers);
		json_decref(c->s[i].images);
	}
	free(c->root);
	free(c);
}

/* Parses the JSON file at path: 0 and *out, -PL_ENOTFOUND (absent or unreadable),
 * -PL_ETOOBIG (over MAX_FILE), -PL_EDATA (not JSON). */
static int
load_json(const char *path, json_t **out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	int rc = -PL_ENOTFOUND;

	*out = NULL;
	if (f == NULL)
		return errno == ENOMEM ? -PL_ENOMEM : -PL_ENOTFOUND;
	if ((buf = malloc(MAX_FILE + 1)) == NULL) {
		fclose(f);
		return -PL_ENOMEM;
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f))
		rc = -PL_ENOTFOUND;
	else if (n > MAX_FILE)
		rc = -PL_ETOOBIG;
	else
		rc = (*out = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL)) ? 0 : -PL_EDATA;
	fclose(f);
	free(buf);
	return rc;
}

/* A copy of a runtime's string with control bytes as '?' (jansson gives valid UTF-8). */
static char *
clean(const char *s)
{
	char *d;

	if (s == NULL || *s == '\0' || (d = strndup(s, 512)) == NULL)
		return NULL;
	for (unsigned char *p = (unsigned char *)d; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';      /* C1 controls (U+0080..U+009F) */
	return d;
}

/* A container id as the runtimes name their files: 12 to 128 hex digits. */
static bool
valid_id(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef");

	return n >= 12 && n <= 128 && id[n] == '\0';
}

static int
docker_lookup(const char *root, const char *id, char **image, char **name)
{
	char path[4400];
	json_t *j;
	int rc;

	if (pl_plat_docker_record(root, id, path, sizeof(path)) != 0)
		return -PL_ENOTFOUND;
	if ((rc = load_json(path, &j)) != 0)
		return rc;
	*image = clean(json_string_value(json_object_get(json_object_get(j, "Config"), "Image")));
	*name = clean(json_string_value(json_object_get(j, "Name")));
	json_decref(j);
	if (*name && **name == '/')
		memmove(*name, *name + 1, strlen(*name));
	return *image ? 0 : -PL_EDATA;
}

/* The storage of podman containers for uid: root's, or the user's home one. */
static struct podman_store *
podman_store(struct pl_imgcache *c, uid_t uid)
{
	char dir[4400], path[4500];

	if (pl_plat_podman_storage(c->root, uid, dir, sizeof(dir)) != 0)
		return NULL;
	for (size_t i = 0; i < c->ns; i++)
		if (strcmp(c->s[i].dir, dir) == 0)
			return &c->s[i];
	if (c->ns == MAX_STORES)
		return NULL;
	struct podman_store *s = &c->s[c->ns];

	*s = (struct podman_store){ .dir = strdup(dir) };
	if (s->dir == NULL)
		return NULL;
	c->ns++;
	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", dir);
	if ((s->rc = load_json(path, &s->containers)) == 0 && !json_is_array(s->containers)) {
		json_decref(s->containers);
		s->containers = NULL;
		s->rc = -PL_EDATA;
	}
	if (s->rc == 0) {
		snprintf(path, sizeof(path), "%s/overlay-images/images.json", dir);
		if (load_json(path, &s->images) == 0 && !json_is_array(s->images)) {
			json_decref(s->images);
			s->images = NULL;
		}
	}
	return s;
}

/* The first name of the image with image id iid, or NULL. */
static const char *
podman_image_name(const struct podman_store *s, const char *iid)
{
	size_t i;
	json_t *v;

	json_array_foreach(s->images, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));

		if (id && strcmp(id, iid) == 0)
			return json_string_value(json_array_get(json_object_get(v, "names"), 0));
	}
	return NULL;
}

static int
podman_lookup_in(struct podman_store *s, const char *id, char **image, char **name)
{
	size_t i;
	json_t *v;

	if (s == NULL)
		return -PL_ENOTFOUND;
	if (s->rc != 0)
		return s->rc;
	json_array_foreach(s->containers, i, v) {
		const char *cid = json_string_value(json_object_get(v, "id"));
		const char *iid = json_string_value(json_object_get(v, "image"));
		const char *iname = NULL;

		if (cid == NULL || strcmp(cid, id) != 0)
			continue;
		/* The image's name where images.json has it; else the name podman noted in
		 * the container's metadata; else the image id. */
		if (iid != NULL && s->images != NULL)
			iname = podman_image_name(s, iid);
		json_t *meta = iname ? NULL : json_loads(json_string_value(json_object_get(v,
		    "metadata")) ? json_string_value(json_object_get(v, "metadata")) : "", 0, NULL);

		if (iname == NULL)
			iname = json_string_value(json_object_get(meta, "image-name"));
		*image = clean(iname ? iname : iid);
		json_decref(meta);
		*name = clean(json_string_value(json_array_get(json_object_get(v, "names"), 0)));
		return *image ? 0 : -PL_EDATA;
	}
	return -PL_ENOTFOUND;
}

/* Root's containers first (their processes may run as any user), then the owner's. */
static int
podman_lookup(struct pl_imgcache *c, const char *id, uid_t uid, char **image, char **name)
{
	int rc = podman_lookup_in(podman_store(c, 0), id, image, name);

	if (rc != 0 && rc != -PL_ENOMEM && uid != 0 && uid != (uid_t)-1) {
		int urc = podman_lookup_in(podman_store(c, uid), id, image, name);

		rc = urc == -PL_ENOTFOUND ? rc : urc;
	}
	return rc;
}

int
pl_imgcache_lookup(struct pl_imgcache *c, const char *kind, const char *id, uid_t uid,
    const char **image, const char **name)
{
	struct img_entry *e;
	char *img = NULL, *nm = NULL;
	int rc = -PL_ENOTFOUND;

	*image = *name = NULL;
	if (kind == NULL || id == NULL || !valid_id(id))
		return -PL_ENOTFOUND;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->e[i].kind, kind) == 0 && strcmp(c->e[i].id, id) == 0) {
			*image = c->e[i].image;
			*name = c->e[i].name;
			return c->e[i].rc;
		}
	if (strcmp(kind, "docker") == 0)
		rc = docker_lookup(c->root, id, &img, &nm);
	else if (strcmp(kind, "podman") == 0)
		rc = podman_lookup(c, id, uid, &img, &nm);
	if (rc == 0 && img == NULL)
		rc = -PL_ENOMEM;
	if (c->n < MAX_CACHE) {
		e = &c->e[c->n];
		*e = (struct img_entry){ strdup(kind), strdup(id), img, nm, rc };
		if (e->kind == NULL || e->id == NULL) {
			free(e->kind);
			free(e->id);
			free(img);
			free(nm);
			return -PL_ENOMEM;
		}
		c->n++;
		*image = img;
		*name = nm;
		return rc;
	}
	/* The cache is full (a host with more containers than this): answer uncached. */
	free(img);
	free(nm);
	return rc == 0 ? -PL_ENOTFOUND : rc;
}

int
pl_container_images(struct pl_socklist *l, const char *root)
{
	struct pl_imgcache *c = NULL;
	int rc = 0;

	for (size_t i = 0; i < l->nprocs && rc == 0; i++) {
		struct pl_proc *p = &l->procs[i];
		const char *image, *name;

		if (p->container_kind == NULL || p->container_id == NULL || p->container_image)
			continue;
		if (c == NULL && (c = pl_imgcache_new(root)) == NULL)
			return -PL_ENOMEM;
		if ((rc = pl_imgcache_lookup(c, p->container_kind, p->container_id, p->uid, &image,
		    &name)) == 0) {
			if ((p->container_image = strdup(image)) == NULL ||
			    (name && (p->container_name = strdup(name)) == NULL))
				rc = -PL_ENOMEM;
		}
		if (rc != -PL_ENOMEM)
			rc = 0;
	}
	pl_imgcache_free(c);
	return rc;
}
