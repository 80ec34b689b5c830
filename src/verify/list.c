/* placeholder */ typedef int rcr_placeholder_list;
