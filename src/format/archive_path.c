/* archive_path.c: the rule for paths inside an archive. Manifests are untrusted input, so a
 * name must not be able to reach outside the archive directory (see manifest.h). */
#include "rcr/manifest.h"
#include "rcr/err.h"

#include <string.h>

int rcr_archive_path_check(const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n > RCR_MAX_NAME)
		return rcr_error_set(RCR_E_FORMAT, "invalid path length in archive");
	const char *comp = path;
	for (size_t i = 0; i <= n; i++) {
		char c = path[i];
		if (c == '/' || c == 0) {
			size_t clen = (size_t)(path + i - comp);
			if (clen == 0 || (clen == 1 && comp[0] == '.') ||
			    (clen == 2 && comp[0] == '.' && comp[1] == '.'))
				return rcr_error_set(RCR_E_FORMAT, "path '%s' in archive is not a plain relative path", path);
			comp = path + i + 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return rcr_error_set(RCR_E_FORMAT, "path in archive contains a forbidden character (0x%02x)",
					     (unsigned char)c);
	}
	return 0;
}
