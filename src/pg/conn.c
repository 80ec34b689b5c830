/* placeholder */ typedef int rcr_placeholder_conn;
