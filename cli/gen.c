/* placeholder replaced by the gen implementation */
#include "cli.h"

int cmd_gen(int argc, char **argv, struct cli *c)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(c, "not built yet");
}
