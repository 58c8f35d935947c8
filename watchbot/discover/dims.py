"""The DIMS application of the Moselle prefecture (mc.moselle.gouv.fr), apart from its DSFR site.

Its list of RAA (`index.php?op=raa&do=raa_rec`, pages `&page=N`) answers with an unrelated default
page unless the session cookie set by its entry page (`raa.html`) comes with the request: the source
names that page in its `entry` option. Each RAA is a table row (`tr.li1`, `tr.li2`: title, date
dd/mm/yyyy, a `javascript:void(0);` link, then the download link) whose download URL has neither
`.pdf` nor `/contenu/telechargement/`: `index.php?dims_op=doc_file_download&docfile_md5id=<md5>`.
"""

from watchbot.core.models import CrawlOptions

OPTIONS = CrawlOptions(scope="body", documents=r"[?&]dims_op=doc_file_download")
